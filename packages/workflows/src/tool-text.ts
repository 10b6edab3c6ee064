/**
 * What a bare reference to a tool step's output stands for. The step's output is the tool's
 * structured `result` (`ctx.outputs.calc`, `{{step:calc:output.result}}`), but `{{step:calc:output}}`
 * means the tool's answer: its primary value where a reference is the whole parameter (the
 * calculator's number), its primary text inside a longer string (`"{{step:calc:output}} * 1.08"`),
 * and a sequential workflow's `data.final_output` is that text (a string in rs-llmspell, which
 * its scripts concatenate).
 *
 * Built-in tools whose result is a record name the field that carries their answer; any other
 * record is rendered as compact JSON. A field is looked up by the tool's registered name (a
 * hyphenated alias is normalised), so a third-party tool never has a field guessed from its data.
 */
const PRIMARY_FIELDS: Record<string, readonly string[]> = {
  calculator: ['result'],
  uuid_generator: ['uuid'],
  template_engine: ['rendered'],
  hash_calculator: ['hash'],
  base64_encoder: ['output'],
  diff_calculator: ['diff'],
  date_time_handler: ['formatted', 'datetime', 'iso'],
  process_executor: ['stdout'],
  environment_reader: ['value'],
  http_request: ['body'],
};

/** Plain text for a value: strings as they are, numbers and booleans printed, the rest as JSON. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** A tool result's primary value (its answer field, else the result itself) and its text. */
export function toolPrimary(toolName: string, result: unknown): { value: unknown; text: string } {
  if (result && typeof result === 'object' && !Array.isArray(result)) {
    const fields = PRIMARY_FIELDS[toolName.replace(/-/g, '_')];
    for (const field of fields ?? []) {
      const v = (result as Record<string, unknown>)[field];
      if (v !== undefined && v !== null) return { value: v, text: valueText(v) };
    }
  }
  return { value: result, text: valueText(result) };
}

/** The primary text of a tool's result (see the module comment). */
export function toolText(toolName: string, result: unknown): string {
  return toolPrimary(toolName, result).text;
}
