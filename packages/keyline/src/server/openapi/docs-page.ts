/**
 * The human-readable API page (/api/v1/docs): plain HTML rendered from the OpenAPI document, with
 * no script and nothing loaded from elsewhere (no CDN), so it works offline and under a strict CSP.
 */
export function renderDocsPage(document: Record<string, unknown>): string {
  const info = document.info as { title: string; version: string; description: string };
  const paths = document.paths as Record<string, Record<string, Operation>>;
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags[0] ?? 'Other';
      const list = byTag.get(tag) ?? [];
      list.push({ method: method.toUpperCase(), path, op });
      byTag.set(tag, list);
    }
  }
  const order = (document.tags as { name: string }[]).map((t) => t.name);
  const tags = [...byTag.keys()].sort((a, b) => rank(order, a) - rank(order, b));
  const sections = tags.map((tag) => {
    const rows = byTag
      .get(tag)!
      .map(({ method, path, op }) => endpoint(method, path, op))
      .join('\n');
    return `<section id="${attr(slug(tag))}"><h2>${html(tag)}</h2>\n${rows}\n</section>`;
  });
  const toc = tags.map((tag) => `<a href="#${attr(slug(tag))}">${html(tag)}</a>`).join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(info.title)} — API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,.path{font-family:ui-monospace,monospace}
.op{border:1px solid #ddd;border-radius:6px;margin:.8rem 0;padding:.6rem .9rem}
.method{display:inline-block;min-width:4.5rem;font-weight:700}
.GET{color:#06753b}.POST{color:#1a55b0}.DELETE{color:#b0281a}
.meta{color:#555;font-size:13px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
</style>
</head>
<body>
<h1>${html(info.title)} <small>${html(info.version)}</small></h1>
<p>${html(info.description)}</p>
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1). Authenticate with
<code>Authorization: Bearer &lt;token&gt;</code>.</p>
<nav>${toc}</nav>
${sections.join('\n')}
</body>
</html>
`;
}

interface Operation {
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly 'x-roles'?: readonly string[];
  readonly security: readonly Record<string, unknown>[];
  readonly parameters?: readonly { name: string; in: string; required: boolean; description?: string }[];
  readonly requestBody?: { content: Record<string, unknown> };
  readonly responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}

function endpoint(method: string, path: string, op: Operation): string {
  const auth = op.security.map((s) => Object.keys(s).join('+')).join(' or ') || 'public';
  const roles = op['x-roles'] === undefined ? '' : ` · roles: ${op['x-roles'].join(', ')}`;
  const params = (op.parameters ?? [])
    .map(
      (p) =>
        `<tr><td><code>${html(p.name)}</code></td><td>${html(p.in)}</td><td>${p.required ? 'required' : 'optional'}</td></tr>`,
    )
    .join('');
  const body =
    op.requestBody === undefined
      ? ''
      : `<div class="meta">body: ${Object.keys(op.requestBody.content).map(code).join(', ')}</div>`;
  const responses = Object.entries(op.responses)
    .map(
      ([status, r]) =>
        `${html(status)} ${Object.keys(r.content ?? {})
          .map(code)
          .join(', ')}`,
    )
    .join(' · ');
  return `<div class="op"><span class="method ${attr(method)}">${html(method)}</span> <span class="path">${html(path)}</span>
<div>${html(op.summary)}</div>${op.description === undefined ? '' : `<div class="meta">${html(op.description)}</div>`}
<div class="meta">auth: ${html(auth)}${html(roles)}</div>${body}
${params === '' ? '' : `<table><tr><th>parameter</th><th>in</th><th></th></tr>${params}</table>`}
<div class="meta">responses: ${responses}</div></div>`;
}

function rank(order: readonly string[], tag: string): number {
  const i = order.indexOf(tag);
  return i < 0 ? order.length : i;
}

function code(text: string): string {
  return `<code>${html(text)}</code>`;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function attr(text: string): string {
  return html(text);
}
