import { isIP } from 'node:net';

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

function inV4(ip: number, base: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ip & mask) === (ipv4ToInt(base) & mask);
}

const V4_BLOCKED: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local / cloud metadata'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
  ['192.88.99.0', 24, 'deprecated 6to4 relay anycast'],
  ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function expandV6(ip: string): number[] | null {
  let addr = ip.toLowerCase();
  const zone = addr.indexOf('%');
  if (zone >= 0) addr = addr.slice(0, zone);
  // Embedded IPv4 tail (::ffff:1.2.3.4)
  const v4 = addr.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const n = ipv4ToInt(v4[1]);
    addr = addr.slice(0, -v4[1].length) + ((n >>> 16) & 0xffff).toString(16) + ':' + (n & 0xffff).toString(16);
  }
  const [head, tail] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  if (tail === undefined && h.length !== 8) return null;
  const fill = 8 - h.length - t.length;
  if (fill < 0) return null;
  return [...h, ...Array(tail === undefined ? 0 : fill).fill('0'), ...t].map((g) => parseInt(g || '0', 16));
}

function v4FromGroups(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/** The IPv4 address an IPv6 form carries inside it; a private one is refused in any wrapping. */
function embeddedV4(g: number[]): Array<{ v4: string; form: string }> | null {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  // ::a.b.c.d (IPv4-compatible, deprecated) and ::ffff:a.b.c.d (IPv4-mapped)
  if (zeros(0, 5) && (g[5] === 0 || g[5] === 0xffff)) return [{ v4: v4FromGroups(g[6], g[7]), form: g[5] === 0 ? 'IPv4-compatible' : 'IPv4-mapped' }];
  // ::ffff:0:a.b.c.d (IPv4-translated, RFC 2765)
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return [{ v4: v4FromGroups(g[6], g[7]), form: 'IPv4-translated' }];
  // 64:ff9b::/96 (NAT64 well-known prefix, RFC 6052)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return [{ v4: v4FromGroups(g[6], g[7]), form: 'NAT64' }];
  // 2002:AABB:CCDD::/48 (6to4, RFC 3056): the IPv4 address is the second and third group
  if (g[0] === 0x2002) return [{ v4: v4FromGroups(g[1], g[2]), form: '6to4' }];
  // 2001:0000::/32 (Teredo, RFC 4380): server IPv4 in groups 2-3, client IPv4 XOR-ed in 6-7
  if (g[0] === 0x2001 && g[1] === 0) {
    return [
      { v4: v4FromGroups(g[2], g[3]), form: 'Teredo server' },
      { v4: v4FromGroups(g[6] ^ 0xffff, g[7] ^ 0xffff), form: 'Teredo client' },
    ];
  }
  return null;
}

const V6_BLOCKED: Array<[test: (g: number[]) => boolean, why: string]> = [
  [(g) => g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1, 'local-use NAT64 (may reach private IPv4)'],
  [(g) => g[0] === 0x100 && g[1] === 0 && g[2] === 0 && g[3] === 0, 'discard-only'],
  [(g) => (g[0] & 0xfe00) === 0xfc00, 'unique local (private)'],
  [(g) => (g[0] & 0xffc0) === 0xfe80, 'link-local'],
  [(g) => (g[0] & 0xffc0) === 0xfec0, 'site-local'],
  [(g) => (g[0] & 0xff00) === 0xff00, 'multicast'],
  [(g) => g[0] === 0x2001 && g[1] === 0xdb8, 'documentation'],
  [(g) => (g[0] & 0xfff0) === 0x3ff0, 'documentation'],
  [(g) => g[0] === 0x2001 && g[1] === 0x2 && g[2] === 0, 'benchmarking'],
  [(g) => g[0] === 0x2001 && ((g[1] & 0xfff0) === 0x10 || (g[1] & 0xfff0) === 0x20), 'ORCHID (not routable)'],
];

/**
 * Why an address may not be reached by default, or null when it is public.
 * Covers loopback, private, link-local (incl. the 169.254.169.254 metadata service),
 * CGNAT, multicast, reserved ranges, and the IPv6 equivalents, including every IPv6 form
 * that embeds an IPv4 address (mapped, compatible, translated, NAT64, 6to4, Teredo): those
 * are judged by the IPv4 address inside, so no wrapping of 127.0.0.1 or 169.254.169.254
 * gets through.
 */
export function classifyPrivateAddress(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4) {
    const n = ipv4ToInt(ip);
    for (const [base, bits, why] of V4_BLOCKED) if (inV4(n, base, bits)) return why;
    return null;
  }
  if (family === 6) {
    const g = expandV6(ip);
    if (!g) return 'unparseable';
    if (g.every((x) => x === 0)) return 'unspecified';
    if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
    const embedded = embeddedV4(g);
    if (embedded) {
      for (const { v4, form } of embedded) {
        const why = classifyPrivateAddress(v4);
        if (why !== null) return `${why} (${v4} inside this ${form} IPv6 address)`;
      }
      return null;
    }
    for (const [test, why] of V6_BLOCKED) if (test(g)) return why;
    return null;
  }
  return 'not an IP address';
}

export function isPrivateAddress(ip: string): boolean {
  return classifyPrivateAddress(ip) !== null;
}

/** Host names that always mean this machine or a metadata service, before any DNS. */
export function isLocalHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === 'metadata.google.internal' || h === 'metadata';
}
