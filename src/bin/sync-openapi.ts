import { writeFile } from 'node:fs/promises';
import { generateOpenApiDocument, serializeOpenApi } from './openapi-document.js';

/** Writes `openapi.json` from the code; a test fails while the committed file differs. */
const target = new URL('../../openapi.json', import.meta.url);
await writeFile(target, serializeOpenApi(await generateOpenApiDocument()));
process.stdout.write(`wrote ${target.pathname}\n`);
