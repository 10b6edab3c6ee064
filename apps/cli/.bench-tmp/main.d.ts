import { type CliIo } from './io.js';
/** Runs the CLI and resolves with its exit code: 0 ok, 1 error, 2 usage error. */
export declare function main(argv: string[], io?: CliIo): Promise<number>;
//# sourceMappingURL=main.d.ts.map