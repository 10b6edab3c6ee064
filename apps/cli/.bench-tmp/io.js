export const processIo = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
    stdin: process.stdin,
};
export function useColor(io, stream = 'stdout') {
    if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '')
        return false;
    if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0')
        return true;
    return stream === 'stdout' ? io.isTTY : Boolean(process.stderr.isTTY) && io.isTTY;
}
export function paint(enabled, code, text) {
    return enabled ? `\u001b[${code}m${text}\u001b[0m` : text;
}
//# sourceMappingURL=io.js.map