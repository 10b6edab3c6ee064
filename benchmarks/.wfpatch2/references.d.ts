/**
 * Step references in parameters, resolved just before a step runs. Both documented syntaxes:
 *   {{step:NAME:output}}  {{step:NAME:output.field}}  {{state:KEY}}  {{loop:current_item}}
 *   {{loop:current_index}}  {{input}}  {{input.field}}  {{shared.key}}  {{branch:B:STEP:output}}
 *   $stepName  $stepName.field  $$  $$.field
 * A string that is exactly one reference becomes the referenced value with its type; a
 * reference inside a longer string is interpolated as text.
 */
export interface ReferenceScope {
    input: unknown;
    outputs: Record<string, unknown>;
    shared: Record<string, unknown>;
    loop?: {
        current_item: unknown;
        current_index: number;
    };
    branches?: Record<string, Record<string, unknown>>;
    /** State values, loaded before resolution for the keys the templates name. */
    state: Record<string, unknown>;
}
export declare function getPath(value: unknown, path: string): unknown;
/** Resolves every reference inside a JSON-like value (strings anywhere in it). */
export declare function resolveReferences(value: unknown, scope: ReferenceScope): unknown;
/** The state keys that `{{state:KEY}}` references in a value name. */
export declare function stateKeysIn(value: unknown, into?: Set<string>): Set<string>;
//# sourceMappingURL=references.d.ts.map