/** How the report page looks, and what it may load: nothing. */
/**
 * Nothing but inline styles: no script, and no request of any kind, even if a report's string
 * got past the escaping.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export const STYLE = `
:root { color-scheme: light; --bad: #b3261e; --bad-bg: #fdecea; --line: #d0d7de; --muted: #57606a; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: #1f2328; margin: 24px; max-width: 1152px; }
code, pre, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 17px; margin: 28px 0 8px; } h3 { font-size: 15px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 12px; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; }
.badge { background: #fff4ce; border: 1px solid #d4a72c; border-radius: 4px; padding: 0 6px; }
.totals { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; padding: 0; margin: 0 0 8px; }
.totals li { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; color: var(--muted); }
.totals b { display: block; font-size: 20px; color: #1f2328; }
.totals li.bad, .totals li.bad b { color: var(--bad); border-color: var(--bad); }
.verdict { border: 2px solid var(--line); border-radius: 6px; padding: 4px 16px 8px; }
.verdict.passed { border-color: #1a7f37; } .verdict.failed { border-color: var(--bad); background: var(--bad-bg); }
.verdict.inconclusive { border-color: #d4a72c; } .statement { font-style: italic; }
.stop { border: 2px solid var(--bad); background: var(--bad-bg); border-radius: 6px; padding: 4px 16px 8px; }
.stop h2 { color: var(--bad); margin-top: 8px; }
.error-name { font-weight: 600; font-size: 16px; margin: 0; }
.note { border: 1px solid #d4a72c; background: #fff8e1; border-radius: 6px; padding: 8px 16px; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #fff; border: 1px solid var(--line);
  border-radius: 4px; padding: 8px; margin: 4px 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
.input th { font-weight: normal; background: #f6f8fa; }
.instances td { overflow-wrap: break-word; } .instances td:first-child { white-space: nowrap; }
tr.failed td { background: var(--bad-bg); }
tr.failed td:nth-child(3) { color: var(--bad); font-weight: 600; }
.none, .split { color: var(--muted); } .no { color: var(--bad); }
.cut { color: var(--muted); font-style: italic; }
td.num { text-align: right; } td.bad { color: var(--bad); font-weight: 600; }
tr.unsafe td { background: var(--bad-bg); }
.legend { color: var(--muted); }
.key { display: inline-block; width: 12px; height: 12px; margin: 0 4px -2px 8px; border-radius: 2px; }
.key.window { background: #cfe3ff; } .key.bar { background: #0b5cad; }
.key.retry { background: #0b5cad; border-radius: 6px; } .key.back { background: #1a7f37; transform: rotate(45deg); }
svg { width: 100%; height: auto; display: block; }
svg text { font-size: 11px; fill: #1f2328; }
svg .id { font-size: 12px; } svg .status, svg .missing, svg .peak { fill: var(--muted); }
svg .missing { font-style: italic; }
svg .row .stripe { fill: transparent; } svg .row:nth-of-type(even) .stripe { fill: #f6f8fa; }
svg .row.failed .stripe { fill: var(--bad-bg); } svg .row.failed .status { fill: var(--bad); }
svg .window { fill: #cfe3ff; } svg .bar { fill: #0b5cad; }
svg .retry { fill: #0b5cad; fill-opacity: 0.6; } svg .back { fill: #1a7f37; } svg .gone { fill: var(--bad); }
svg .row.unsafe .stripe { fill: var(--bad-bg); }
svg .axis line { stroke: var(--line); } svg .axis text { text-anchor: middle; fill: var(--muted); }
a { color: #0b5cad; }
footer { margin-top: 28px; color: var(--muted); }
`;
