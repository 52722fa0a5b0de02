import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

const LANGS = join(__dirname, 'langs')

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix]
  return Object.entries(value).flatMap(([key, inner]) =>
    keys(inner, prefix ? `${prefix}.${key}` : key),
  )
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '').sort()
}

function load(locale: string, area: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(LANGS, locale, area), 'utf8')) as Record<string, unknown>
}

function leaf(tree: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], tree)
}

describe('the two locales', () => {
  const areas = readdirSync(join(LANGS, 'zh-CN')).sort()

  it('have the same area files', () => {
    expect(readdirSync(join(LANGS, 'en-US')).sort()).toEqual(areas)
  })

  for (const area of areas) {
    it(`say the same things in ${area}`, () => {
      const chinese = load('zh-CN', area)
      const english = load('en-US', area)
      expect(keys(english).sort()).toEqual(keys(chinese).sort())
      for (const path of keys(chinese)) {
        const zh = leaf(chinese, path)
        const en = leaf(english, path)
        expect(typeof en, path).toBe('string')
        expect((en as string).trim(), path).not.toBe('')
        expect(placeholders(en as string), path).toEqual(placeholders(zh as string))
      }
    })
  }
})
