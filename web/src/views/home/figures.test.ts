import { describe, expect, it } from 'vitest'

import {
  fourOnesFromRows,
  hoursByMonth,
  hoursByTeam,
  monthOf,
  monthsUpTo,
  phasesOfCommunities,
  starsFromRows,
  yearBefore,
} from './figures'

describe('the home charts', () => {
  const rows = [
    { team_id: 't1', month: '2026-11', hours: 2.5 },
    { team_id: 't2', month: '2026-10', hours: 1 },
    { team_id: null, month: '2026-11', hours: 0.25 },
    { team_id: 't1', month: '2026-10', hours: 3 },
  ]

  it('sum the hours per month, oldest first', () => {
    expect(hoursByMonth(rows)).toEqual([
      { label: '2026-10', value: 4 },
      { label: '2026-11', value: 2.75 },
    ])
  })

  it('sum the hours per team by name, most first, with the hours of no team apart', () => {
    const names = new Map([['t1', '助老服务队']])
    expect(hoursByTeam(rows, names, '未分队')).toEqual([
      { label: '助老服务队', value: 5.5 },
      { label: 't2', value: 1 },
      { label: '未分队', value: 0.25 },
    ])
  })

  it('sum the district rows per star level', () => {
    const row = { street_id: null, street_name: null, community_id: 'c', community_name: 'c', volunteers: 3 }
    const stars = starsFromRows([
      { ...row, star_0: 1, star_1: 2, star_2: 0, star_3: 0, star_4: 0, star_5: 0 },
      { ...row, star_0: 0, star_1: 1, star_2: 0, star_3: 0, star_4: 0, star_5: 4 },
    ])
    expect(stars.map((star) => star.volunteers)).toEqual([1, 3, 0, 0, 0, 4])
  })

  it('count each community once, in its newest period', () => {
    const period = { label: 'p', starts_on: '2026-07-01', ends_on: '2026-12-31', quota: 3 }
    const phases = phasesOfCommunities([
      { ...period, id: '3', community_id: 'a', phase: 'peer_review' },
      { ...period, id: '2', community_id: 'b', phase: 'peer_review' },
      { ...period, id: '1', community_id: 'a', phase: 'published' },
    ])
    expect([...phases.entries()]).toEqual([['peer_review', 2]])
  })

  it('cover a year of months up to this one', () => {
    const now = new Date(2026, 0, 15)
    expect(monthOf(now)).toBe('2026-01')
    expect(monthOf(yearBefore(now))).toBe('2025-02')
  })
})

describe('the months of the four-ones chart', () => {
  it('are the last ones up to this month, across a new year', () => {
    expect(monthsUpTo(new Date(2026, 1, 3), 4)).toEqual(['2025-11', '2025-12', '2026-01', '2026-02'])
  })

  it('sum a month over the district', () => {
    const row = { street_id: null, street_name: null, community_id: 'c', community_name: 'c', month: '2026-11' }
    expect(
      fourOnesFromRows('2026-11', [
        { ...row, members: 17, complete: 13, completion_rate: 0.765 },
        { ...row, members: 14, complete: 8, completion_rate: 0.571 },
      ]),
    ).toEqual({ month: '2026-11', members: 31, complete: 21 })
  })
})
