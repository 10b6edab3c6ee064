/**
 * The text a tool step's output stands for where a workflow needs text: inside a longer string
 * (`"{{step:calc:output}} * 1.08"`), in a string parameter fed a whole reference, and as a
 * sequential workflow's `data.final_output` (a string in rs-llmspell, which scripts concatenate).
 * The step's output itself stays the tool's structured `result`.
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

/** The primary text of a tool's result (see the module comment). */
export function toolText(toolName: string, result: unknown): string {
  if (result && typeof result === 'object' && !Array.isArray(result)) {
    const fields = PRIMARY_FIELDS[toolName.replace(/-/g, '_')];
    for (const field of fields ?? []) {
      const v = (result as Record<string, unknown>)[field];
      if (v !== undefined && v !== null) return valueText(v);
    }
  }
  return valueText(result);
}
