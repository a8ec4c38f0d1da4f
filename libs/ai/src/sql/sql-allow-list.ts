/**
 * Positive allow-lists for what generated SQL may call. Anything not listed is refused, so a new or
 * exotic PostgreSQL function (file access, sleeps, settings, large objects, dblink, admin helpers) is
 * refused by default. Every entry is side-effect free and reads no catalog or server state.
 */
function words(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

const AGGREGATES = words(`
  count sum avg min max stddev stddev_pop stddev_samp variance var_pop var_samp bool_and bool_or every
  string_agg array_agg json_agg jsonb_agg json_object_agg jsonb_object_agg percentile_cont percentile_disc
  mode corr covar_pop covar_samp regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx
  regr_sxy regr_syy bit_and bit_or any_value`);

const WINDOW = words(`
  row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value`);

const MATH = words(`
  abs ceil ceiling floor round trunc sign sqrt cbrt power pow exp ln log log10 mod div pi degrees radians
  sin cos tan asin acos atan atan2 width_bucket scale gcd lcm num_nulls num_nonnulls`);

// No repeat(): it turns a short query into gigabytes of memory.
const STRING = words(`
  lower upper initcap length char_length character_length octet_length bit_length concat concat_ws
  substring substr position strpos left right lpad rpad ltrim rtrim btrim replace split_part reverse
  translate starts_with regexp_replace regexp_match regexp_matches regexp_like regexp_count regexp_substr
  regexp_instr regexp_split_to_array format md5 to_hex ascii chr overlay string_to_array array_to_string
  to_char to_number like_escape similar_to_escape similar_escape`);

const DATE_TIME = words(`
  now date_trunc date_part extract age make_date make_time make_timestamp make_timestamptz make_interval
  to_timestamp to_date date_bin justify_days justify_hours justify_interval isfinite timezone
  clock_timestamp statement_timestamp transaction_timestamp generate_series overlaps`);

const JSON_READ = words(`
  json_extract_path json_extract_path_text jsonb_extract_path jsonb_extract_path_text json_array_length
  jsonb_array_length json_typeof jsonb_typeof json_array_elements json_array_elements_text
  jsonb_array_elements jsonb_array_elements_text json_each json_each_text jsonb_each jsonb_each_text
  json_object_keys jsonb_object_keys to_json to_jsonb json_build_object jsonb_build_object json_build_array
  jsonb_build_array jsonb_strip_nulls json_strip_nulls jsonb_pretty`);

const ARRAY = words(`
  array_length cardinality array_position array_positions array_remove array_append array_prepend array_cat
  array_upper array_lower array_ndims array_replace trim_array unnest`);

export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  ...AGGREGATES,
  ...WINDOW,
  ...MATH,
  ...STRING,
  ...DATE_TIME,
  ...JSON_READ,
  ...ARRAY,
]);

/** Types a query may cast to. Excludes reg* types (they read the catalog), xml, oid and pseudo-types. */
export const ALLOWED_TYPES: ReadonlySet<string> = new Set(
  words(`
    bool boolean int2 int4 int8 smallint integer int bigint numeric decimal real float4 float8 float text
    varchar bpchar char character date time timetz timestamp timestamptz interval uuid json jsonb`),
);

/** CURRENT_DATE and friends are fine; CURRENT_USER, SESSION_USER, CURRENT_SCHEMA ... disclose server state. */
export const ALLOWED_SQL_VALUE_FUNCTIONS: ReadonlySet<string> = new Set(
  words(`
    SVFOP_CURRENT_DATE SVFOP_CURRENT_TIME SVFOP_CURRENT_TIME_N SVFOP_CURRENT_TIMESTAMP
    SVFOP_CURRENT_TIMESTAMP_N SVFOP_LOCALTIME SVFOP_LOCALTIME_N SVFOP_LOCALTIMESTAMP SVFOP_LOCALTIMESTAMP_N`),
);

/** Schemas that hold server internals; named in the rejection reason so the model stops trying them. */
export const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set(['pg_catalog', 'information_schema', 'pg_toast']);
