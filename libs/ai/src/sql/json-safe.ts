import { types, type CustomTypesConfig } from 'pg';
import { parse as parseArray } from 'postgres-array';

type Convert = (text: string) => unknown;

/** A decimal string as a number only when the number prints back as the same value; else the exact string. */
function exactNumber(text: string): number | string {
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  return canonicalDecimal(String(n)) === canonicalDecimal(text) ? n : text;
}

function canonicalDecimal(text: string): string {
  let s = text.trim().toLowerCase();
  let sign = '';
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s[0] === '-' ? '-' : '';
    s = s.slice(1);
  }
  let exponent = 0;
  const e = s.indexOf('e');
  if (e >= 0) {
    exponent = Number(s.slice(e + 1));
    s = s.slice(0, e);
  }
  const [intPart, fracPart = ''] = s.split('.');
  let digits = intPart + fracPart;
  let point = intPart.length + exponent;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  point -= lead;
  digits = digits.replace(/0+$/, '');
  if (!digits) return '0';
  return `${sign}${digits}e${point}`;
}

function float(text: string): number | string {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/** With TimeZone=UTC and DateStyle=ISO, '2024-05-01 10:00:00.123+00' → '2024-05-01T10:00:00.123Z'. */
function timestamptz(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)\+00$/.exec(text);
  return m ? `${m[1]}T${m[2]}Z` : text;
}

function timestamp(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(text);
  return m ? `${m[1]}T${m[2]}` : text;
}

function bytea(text: string): string {
  return text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex').toString('base64') : text;
}

const identity: Convert = (text) => text;

// Scalar OIDs from pg_type; each array type converts its elements the same way.
const SCALARS: Record<number, Convert> = {
  20: exactNumber, // int8
  1700: exactNumber, // numeric
  700: float, // float4
  701: float, // float8
  1082: identity, // date: already YYYY-MM-DD under DateStyle ISO
  1083: identity, // time
  1266: identity, // timetz
  1114: timestamp,
  1184: timestamptz,
  1186: identity, // interval: ISO-8601 duration under IntervalStyle iso_8601
  17: bytea,
  790: identity, // money
};

const ARRAYS: Record<number, number> = {
  1016: 20,
  1231: 1700,
  1021: 700,
  1022: 701,
  1182: 1082,
  1183: 1083,
  1270: 1266,
  1115: 1114,
  1185: 1184,
  1187: 1186,
  1001: 17,
  791: 790,
};

/**
 * Type parsers that make every value JSON-safe: no Date (ISO strings instead), no precision loss (numeric
 * and bigint stay strings unless a number holds them exactly), bytea as base64. Requires the session
 * settings of SESSION_SETTINGS.
 */
export const JSON_SAFE_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const scalar = SCALARS[oid];
    if (scalar) return scalar;
    const element = ARRAYS[oid];
    if (element !== undefined) {
      const convert = SCALARS[element];
      return (text: string) => parseArray(text, (v) => convert(v));
    }
    return types.getTypeParser(oid, format ?? 'text') as (text: string) => unknown;
  }) as CustomTypesConfig['getTypeParser'],
};

/** Session settings the parsers above rely on (set per transaction with set_config(..., true)). */
export const SESSION_SETTINGS: Record<string, string> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'iso_8601',
  extra_float_digits: '1',
};
