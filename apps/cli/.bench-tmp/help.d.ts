export interface CommandHelp {
    summary: string;
    usage: string;
    examples: string[];
}
export declare const COMMANDS: Record<string, CommandHelp>;
export declare function mainHelp(version: string): string;
export declare function commandHelp(name: string): string | undefined;
//# sourceMappingURL=help.d.ts.map