// The home screen's charts, shaped from what the evaluation service answers. Plain
// functions over plain data, so they are tested without a browser.
import type { components } from '@/api/generated/evaluation'

type TeamMonth = components['schemas']['TeamMonthHours']
type StarsRow = components['schemas']['StarsRow']
type FourOnesRow = components['schemas']['FourOnesRow']
type Period = components['schemas']['Period']
export type Phase = components['schemas']['Phase']

export interface Bar {
  label: string
  value: number
}

export interface FourOnesTally {
  month: string
  members: number
  complete: number
}

const round = (hours: number): number => Math.round(hours * 100) / 100

/** Hours per month, oldest first. */
export function hoursByMonth(rows: readonly Pick<TeamMonth, 'month' | 'hours'>[]): Bar[] {
  const sums = new Map<string, number>()
  for (const row of rows) sums.set(row.month, (sums.get(row.month) ?? 0) + row.hours)
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => ({ label, value: round(value) }))
}

/**
 * Hours per team, most first; a team is named by `names` (its id when unknown) and the
 * hours of no team by `noTeam`.
 */
export function hoursByTeam(
  rows: readonly TeamMonth[],
  names: ReadonlyMap<string, string>,
  noTeam: string,
): Bar[] {
  const sums = new Map<string, number>()
  for (const row of rows) {
    const label = row.team_id === null ? noTeam : (names.get(row.team_id) ?? row.team_id)
    sums.set(label, (sums.get(label) ?? 0) + row.hours)
  }
  return [...sums.entries()]
    .sort(([, a], [, b]) => b - a)
    .map(([label, value]) => ({ label, value: round(value) }))
}

const STAR_LEVELS = [0, 1, 2, 3, 4, 5] as const

/** Volunteers per star level (0 to 5), summed over the district's rows. */
export function starsFromRows(rows: readonly StarsRow[]): { level: number; volunteers: number }[] {
  return STAR_LEVELS.map((level) => ({
    level,
    volunteers: rows.reduce((sum, row) => sum + row[`star_${level}`], 0),
  }))
}

/** A month's four ones over the district's rows. */
export function fourOnesFromRows(month: string, rows: readonly FourOnesRow[]): FourOnesTally {
  return rows.reduce(
    (tally, row) => ({
      month,
      members: tally.members + row.members,
      complete: tally.complete + row.complete,
    }),
    { month, members: 0, complete: 0 },
  )
}

/** `YYYY-MM` of a moment, in the reader's calendar. */
export function monthOf(moment: Date): string {
  return `${moment.getFullYear()}-${String(moment.getMonth() + 1).padStart(2, '0')}`
}

/** The `count` months up to `moment`'s, oldest first (`YYYY-MM`). */
export function monthsUpTo(moment: Date, count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    monthOf(new Date(moment.getFullYear(), moment.getMonth() - (count - 1 - index), 1)),
  )
}

/** The first moment of the month eleven months before `moment`'s: a year of bars. */
export function yearBefore(moment: Date): Date {
  return new Date(moment.getFullYear(), moment.getMonth() - 11, 1)
}

/**
 * Each community's current period (the newest one: the list comes newest first), and how
 * many communities are in each phase.
 */
export function phasesOfCommunities(periods: readonly Period[]): Map<Phase, number> {
  const seen = new Set<string>()
  const counts = new Map<Phase, number>()
  for (const period of periods) {
    if (seen.has(period.community_id)) continue
    seen.add(period.community_id)
    counts.set(period.phase, (counts.get(period.phase) ?? 0) + 1)
  }
  return counts
}
