import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { renderClient, SERVICES } from '../../scripts/render-api.mjs'

// The documents follow the services (tests/web checks that); the clients follow the
// documents: a changed document with a stale client fails here, not in a screen.
describe('the generated clients', () => {
  for (const service of SERVICES) {
    it(`of ${service} are what its OpenAPI document gives (else: npm run generate:api)`, async () => {
      const committed = readFileSync(join(__dirname, 'generated', `${service}.ts`), 'utf8')
      expect(committed === (await renderClient(service))).toBe(true)
    })
  }
})
