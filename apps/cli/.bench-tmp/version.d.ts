export declare function cliVersion(): string;
//# sourceMappingURL=version.d.ts.map