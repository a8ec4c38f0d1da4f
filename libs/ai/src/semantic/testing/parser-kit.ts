import { join } from 'node:path';
import { loadSemanticModel } from '../semantic-model.loader';
import type { LogicalForm } from '../parser/logical-form.types';
import { QuestionParser, type ParseOptions } from '../parser/question-parser';
import { restate } from '../parser/restatement';

/** The shipped model, loaded once per spec file. */
export const { model } = loadSemanticModel(join(__dirname, '../../../semantic-model.yaml'));

/** The "now" every parser spec reads relative dates against. */
export const NOW = new Date('2026-11-25T15:30:00.000Z');

/**
 * The parser over the shipped model with one tenant's known values: `read` returns the logical form (and fails
 * the test on a refusal), `said` its restatement, `refused` the refusal (and fails the test on an answer).
 */
export function parserKit(knownValues: ParseOptions['knownValues']) {
  const parser = new QuestionParser(model);
  const parse = (q: string) => parser.parse(q, { now: NOW, knownValues });
  const read = (q: string): LogicalForm => {
    const r = parse(q);
    if (!r.ok) throw new Error(`refused "${q}": ${r.refusal.reason}`);
    return r.form;
  };
  const refused = (q: string) => {
    const r = parse(q);
    if (r.ok) throw new Error(`answered "${q}" as: ${restate(model, r.form)}`);
    return r.refusal;
  };
  return { parser, parse, read, said: (q: string) => restate(model, read(q)), refused };
}
