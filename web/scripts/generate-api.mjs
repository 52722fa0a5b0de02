// Typed clients from the committed OpenAPI documents (written by scripts/openapi.py at
// the repository's root). Never edit src/api/generated/ by hand: run `npm run generate:api`.
import { writeFile } from 'node:fs/promises'

import { renderClient, SERVICES } from './render-api.mjs'

for (const service of SERVICES) {
  const target = new URL(`../src/api/generated/${service}.ts`, import.meta.url)
  await writeFile(target, await renderClient(service))
  console.log(`${service}: src/api/generated/${service}.ts`)
}
