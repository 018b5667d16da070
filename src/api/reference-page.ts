import type { OpenApiDocument } from './openapi';

interface OperationObject {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security: Array<Record<string, unknown>>;
  parameters?: Array<{
    name: string;
    in: string;
    required: boolean;
    description?: string;
    schema: unknown;
  }>;
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** Shows a schema as JSON, with `$ref`s turned into links to the schema's section. */
function schemaBlock(schema: unknown): string {
  const json = escape(JSON.stringify(schema, null, 2));
  const linked = json.replace(
    /&quot;#\/components\/schemas\/(\w+)&quot;/g,
    (_match, id: string) => `<a href="#schema-${id}">${id}</a>`,
  );
  return `<pre>${linked}</pre>`;
}

function authOf(operation: OperationObject): string {
  const scheme = Object.keys(operation.security[0] ?? {})[0];
  if (scheme === 'siteKey') return 'site API key';
  if (scheme === 'publisherToken') return 'publisher token';
  return 'none';
}

function renderOperation(path: string, method: string, operation: OperationObject): string {
  const parameters = (operation.parameters ?? [])
    .map(
      (parameter) =>
        `<tr><td><code>${escape(parameter.name)}</code></td><td>${parameter.in}</td><td>${parameter.required ? 'yes' : 'no'}</td><td>${escape(parameter.description ?? '')}</td><td><code>${escape(JSON.stringify(parameter.schema))}</code></td></tr>`,
    )
    .join('');
  const body = operation.requestBody?.content['application/json'];
  const responses = Object.entries(operation.responses)
    .map(([status, response]) => {
      const content = Object.entries(response.content ?? {})[0];
      const schema = content
        ? ` <span class="type">${escape(content[0])}</span>${schemaBlock(content[1].schema)}`
        : '';
      return `<li><strong>${status}</strong> ${escape(response.description)}${schema}</li>`;
    })
    .join('');

  return `<section class="operation" id="${escape(operation.operationId)}">
  <h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>
  <p class="summary">${escape(operation.summary)}</p>
  ${operation.description ? `<p>${escape(operation.description)}</p>` : ''}
  <p class="auth">Authentication: ${authOf(operation)}</p>
  ${parameters ? `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>meaning</th><th>schema</th></tr></thead><tbody>${parameters}</tbody></table>` : ''}
  ${body ? `<h4>Request body${operation.requestBody!.required ? '' : ' (optional)'}</h4>${schemaBlock(body.schema)}` : ''}
  <h4>Responses</h4><ul>${responses}</ul>
</section>`;
}

/** Renders the document as one self-contained HTML page: no scripts, nothing fetched. */
export function renderReferencePage(document: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  const contents = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods) as Array<[string, OperationObject]>) {
      const tag = operation.tags[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), renderOperation(path, method, operation)]);
      contents.set(tag, [
        ...(contents.get(tag) ?? []),
        `<li><a href="#${escape(operation.operationId)}">${method.toUpperCase()} ${escape(path)}</a></li>`,
      ]);
    }
  }
  const toc = [...contents]
    .map(([tag, items]) => `<li>${escape(tag)}<ul>${items.join('')}</ul></li>`)
    .join('');
  const sections = [...byTag]
    .map(([tag, items]) => `<h2>${escape(tag)}</h2>${items.join('')}`)
    .join('');
  const schemas = Object.entries(document.components.schemas)
    .map(
      ([id, schema]) => `<section id="schema-${id}"><h3>${id}</h3>${schemaBlock(schema)}</section>`,
    )
    .join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1d232a}
nav{width:300px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;padding:1rem;border-right:1px solid #dde2e7;font-size:13px}
nav ul{list-style:none;padding-left:.75rem}main{padding:1rem 2rem;max-width:960px;min-width:0}
.operation{border-top:1px solid #dde2e7;padding:.5rem 0}.method{display:inline-block;min-width:4.5em;text-align:center;border-radius:4px;color:#fff;font-size:12px;padding:2px 6px}
.get{background:#2f6fb3}.post{background:#2f8a4f}.patch{background:#9a6a12}.delete{background:#b3372f}
pre{background:#f5f7f9;padding:.75rem;overflow:auto;font-size:12px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #dde2e7;padding:4px 8px;text-align:left;vertical-align:top}
.type{color:#5b6670;font-size:12px}@media (max-width:800px){body{display:block}nav{width:auto;height:auto;position:static;border:0}}
</style></head>
<body><nav><strong>${escape(document.info.title)} ${escape(document.info.version)}</strong><p><a href="/openapi.json">openapi.json</a></p><ul>${toc}<li><a href="#schemas">Schemas</a></li></ul></nav>
<main><h1>${escape(document.info.title)}</h1><p>${escape(document.info.description)}</p>${sections}<h2 id="schemas">Schemas</h2>${schemas}</main></body></html>`;
}
