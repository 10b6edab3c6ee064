import { LlmspellError } from '@llmspell/core';
import { getPath } from './references.js';
function tokenize(src) {
    const out = [];
    let i = 0;
    while (i < src.length) {
        const c = src[i];
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
            const m = src.slice(i).match(/^\d*\.?\d+(?:[eE][+-]?\d+)?/);
            out.push({ t: 'num', v: m[0] });
            i += m[0].length;
            continue;
        }
        if (c === '"' || c === "'") {
            let j = i + 1;
            let s = '';
            while (j < src.length && src[j] !== c) {
                if (src[j] === '\\')
                    j++;
                s += src[j];
                j++;
            }
            if (j >= src.length)
                throw new LlmspellError('INVALID_ARGUMENT', `expression: unterminated string in '${src}'`);
            out.push({ t: 'str', v: s });
            i = j + 1;
            continue;
        }
        if (/[A-Za-z_]/.test(c)) {
            const m = src.slice(i).match(/^[A-Za-z_][A-Za-z0-9_]*(?:(?:\.[A-Za-z0-9_]+)|(?:\[\d+\]))*/);
            out.push({ t: 'id', v: m[0] });
            i += m[0].length;
            continue;
        }
        const two = src.slice(i, i + 2);
        if (['==', '!=', '<=', '>=', '&&', '||', '~='].includes(two)) {
            out.push({ t: 'op', v: two === '~=' ? '!=' : two });
            i += 2;
            continue;
        }
        if ('<>+-*/%()!'.includes(c)) {
            out.push({ t: 'op', v: c });
            i++;
            continue;
        }
        throw new LlmspellError('INVALID_ARGUMENT', `expression: unexpected '${c}' in '${src}'`);
    }
    return out;
}
export function evaluateExpression(src, vars) {
    const tokens = tokenize(src);
    let pos = 0;
    const peek = () => tokens[pos];
    const isOp = (...ops) => peek()?.t === 'op' && ops.includes(peek().v) || (peek()?.t === 'id' && ops.includes(peek().v));
    const next = () => tokens[pos++];
    const truthy = (v) => v !== false && v !== null && v !== undefined;
    function or() {
        let l = and();
        while (isOp('||', 'or')) {
            next();
            const r = and();
            l = truthy(l) ? l : r;
        }
        return l;
    }
    function and() {
        let l = not();
        while (isOp('&&', 'and')) {
            next();
            const r = not();
            l = truthy(l) ? r : l;
        }
        return l;
    }
    function not() {
        if (isOp('!', 'not')) {
            next();
            return !truthy(not());
        }
        return cmp();
    }
    function cmp() {
        const l = add();
        if (isOp('==', '!=', '<', '<=', '>', '>=')) {
            const op = next().v;
            const r = add();
            switch (op) {
                case '==': return JSON.stringify(l) === JSON.stringify(r);
                case '!=': return JSON.stringify(l) !== JSON.stringify(r);
                case '<': return l < r;
                case '<=': return l <= r;
                case '>': return l > r;
                default: return l >= r;
            }
        }
        return l;
    }
    function add() {
        let l = mul();
        while (isOp('+', '-')) {
            const op = next().v;
            const r = mul();
            l = op === '+' ? (typeof l === 'string' || typeof r === 'string' ? `${l}${r}` : l + r) : l - r;
        }
        return l;
    }
    function mul() {
        let l = unary();
        while (isOp('*', '/', '%')) {
            const op = next().v;
            const r = unary();
            l = op === '*' ? l * r : op === '/' ? l / r : l % r;
        }
        return l;
    }
    function unary() {
        if (isOp('-')) {
            next();
            return -unary();
        }
        return atom();
    }
    function atom() {
        const tok = next();
        if (!tok)
            throw new LlmspellError('INVALID_ARGUMENT', `expression: unexpected end of '${src}'`);
        if (tok.t === 'num')
            return Number(tok.v);
        if (tok.t === 'str')
            return tok.v;
        if (tok.t === 'op' && tok.v === '(') {
            const v = or();
            if (next()?.v !== ')')
                throw new LlmspellError('INVALID_ARGUMENT', `expression: missing ')' in '${src}'`);
            return v;
        }
        if (tok.t === 'id') {
            if (tok.v === 'true')
                return true;
            if (tok.v === 'false')
                return false;
            if (tok.v === 'nil' || tok.v === 'null')
                return null;
            const [head, ...rest] = tok.v.replace(/\[(\d+)\]/g, '.$1').split('.');
            return getPath(vars[head], rest.join('.')) ?? null;
        }
        throw new LlmspellError('INVALID_ARGUMENT', `expression: unexpected '${tok.v}' in '${src}'`);
    }
    const value = or();
    if (pos < tokens.length)
        throw new LlmspellError('INVALID_ARGUMENT', `expression: unexpected '${tokens[pos].v}' in '${src}'`);
    return value;
}
export function isTruthy(v) {
    return v !== false && v !== null && v !== undefined;
}
//# sourceMappingURL=expression.js.map