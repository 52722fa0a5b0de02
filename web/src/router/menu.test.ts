import { describe, expect, it } from 'vitest'

import { menuFor } from './menu'
import { consoleRoutes } from './routes'

const labels = (role: Parameters<typeof menuFor>[1]) =>
  menuFor(consoleRoutes, role).map((entry) => entry.label)

describe('the side menu', () => {
  it('shows each role only the screens it may open', () => {
    expect(labels('district_admin')).toEqual(['layout.menu.home', 'layout.menu.volunteers'])
    expect(labels('community_admin')).toEqual(['layout.menu.home', 'layout.menu.volunteers'])
    expect(labels('team_leader')).toEqual(['layout.menu.home'])
  })

  it('is empty before anyone logs in', () => {
    expect(labels(null)).toEqual([])
  })

  it('links each entry to its route', () => {
    expect(menuFor(consoleRoutes, 'community_admin').map((entry) => entry.path)).toEqual([
      '/',
      '/volunteers',
    ])
  })
})
