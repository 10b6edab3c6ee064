function jsonSafe(value) {
    return JSON.parse(JSON.stringify(value ?? null, (_k, v) => (typeof v === 'function' ? undefined : v)));
}
/** How `run`/`exec` print a script's result (the reference's output.rs, made total). */
export function formatResult(value, format, info) {
    if (format === 'json')
        return JSON.stringify(jsonSafe(value), null, 2);
    if (format === 'pretty') {
        const lines = [`Output: ${value === null || value === undefined ? 'nil' : JSON.stringify(jsonSafe(value), null, 2)}`, `Engine: ${info.engine}`, `Execution time: ${Math.round(info.elapsedMs)}ms`];
        return lines.join('\n');
    }
    if (value === null || value === undefined)
        return null;
    if (typeof value === 'string')
        return value;
    return JSON.stringify(jsonSafe(value));
}
//# sourceMappingURL=format-output.js.map