/** Where the CLI writes; tests pass their own. */
export interface CliIo {
    stdout(text: string): void;
    stderr(text: string): void;
    isTTY: boolean;
    env: NodeJS.ProcessEnv;
    cwd: string;
    stdin?: NodeJS.ReadableStream;
}
export declare const processIo: CliIo;
export declare function useColor(io: CliIo, stream?: 'stdout' | 'stderr'): boolean;
export declare function paint(enabled: boolean, code: number, text: string): string;
//# sourceMappingURL=io.d.ts.map