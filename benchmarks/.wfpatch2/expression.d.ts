export declare function evaluateExpression(src: string, vars: Record<string, unknown>): unknown;
export declare function isTruthy(v: unknown): boolean;
//# sourceMappingURL=expression.d.ts.map