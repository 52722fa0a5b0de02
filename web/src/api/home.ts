// What the home screen reads: the queues' counts (registry and activities), the
// evaluation period and the figures. Each part fails alone: a role that may not read
// one part (a team leader and the registry's queue) just does not see it.
import type { components as EvaluationSchemas } from './generated/evaluation'
import { activities, evaluation, registry, unwrap } from './index'
import {
  fourOnesFromRows,
  hoursByMonth,
  hoursByTeam,
  monthsUpTo,
  starsFromRows,
  yearBefore,
  type Bar,
  type FourOnesTally,
} from '@/views/home/figures'

export type Period = EvaluationSchemas['schemas']['Period']

export const QUEUES = [
  'applications_to_approve',
  'records_to_confirm',
  'check_outs_to_resolve',
  'overdue_pairings',
  'overdue_requests',
] as const
export type Queue = (typeof QUEUES)[number]

export async function queueCounts(
  communityId: string | null,
  failure: string,
): Promise<Partial<Record<Queue, number>>> {
  const query = { community_id: communityId ?? undefined }
  const [people, work] = await Promise.allSettled([
    registry.GET('/queues', { params: { query } }).then((answer) => unwrap(answer, failure)),
    activities.GET('/queues', { params: { query } }).then((answer) => unwrap(answer, failure)),
  ])
  if (people.status === 'rejected' && work.status === 'rejected') throw work.reason
  const counts: Partial<Record<Queue, number>> = {}
  if (people.status === 'fulfilled') {
    counts.applications_to_approve = people.value.applications_to_approve
  }
  if (work.status === 'fulfilled') {
    counts.records_to_confirm = work.value.records_to_confirm
    counts.check_outs_to_resolve = work.value.check_outs_to_resolve
    counts.overdue_pairings = work.value.overdue_pairings
    counts.overdue_requests = work.value.overdue_requests
  }
  return counts
}

/** The newest periods (newest first): one for a community, a page for the district. */
export async function latestPeriods(limit: number, failure: string): Promise<Period[]> {
  const answer = await evaluation.GET('/periods', { params: { query: { limit } } })
  return unwrap(answer, failure).items
}

export interface Figures {
  byMonth: Bar[]
  /** Per team (a community) or per community (the district). */
  byGroup: Bar[]
  stars: { level: number; volunteers: number }[]
  /** The last months' four ones, oldest first. */
  fourOnes: FourOnesTally[]
}

// Months of four ones on the chart: a trend, and last month's when this one has just begun.
const FOUR_ONES_MONTHS = 6

async function teamNames(communityId: string): Promise<Map<string, string>> {
  const answer = await registry.GET('/communities/{community_id}/teams', {
    params: { path: { community_id: communityId }, query: { limit: 200 } },
  })
  const names = new Map<string, string>()
  for (const team of answer.data?.items ?? []) names.set(team.id, team.name)
  return names
}

export async function communityFigures(
  communityId: string,
  now: Date,
  noTeam: string,
  failure: string,
): Promise<Figures> {
  const path = { community_id: communityId }
  const since = yearBefore(now).toISOString()
  const [hours, stars, fourOnes, names] = await Promise.all([
    evaluation
      .GET('/communities/{community_id}/hours-by-team-month', {
        params: { path, query: { since } },
      })
      .then((answer) => unwrap(answer, failure)),
    evaluation
      .GET('/communities/{community_id}/stars', { params: { path } })
      .then((answer) => unwrap(answer, failure)),
    Promise.all(
      monthsUpTo(now, FOUR_ONES_MONTHS).map((month) =>
        evaluation
          .GET('/communities/{community_id}/four-ones', { params: { path, query: { month } } })
          .then((answer) => unwrap(answer, failure))
          .then(({ members, complete }) => ({ month, members, complete })),
      ),
    ),
    teamNames(communityId).catch(() => new Map<string, string>()),
  ])
  return {
    byMonth: hoursByMonth(hours),
    byGroup: hoursByTeam(hours, names, noTeam),
    stars: stars.map(({ level, volunteers }) => ({ level, volunteers })),
    fourOnes,
  }
}

// The district's figures answer JSON, CSV or XLSX; asked for JSON, a text is no table.
function rows<Row>(answer: Row[] | string): Row[] {
  return typeof answer === 'string' ? [] : answer
}

export async function districtFigures(now: Date, failure: string): Promise<Figures> {
  const since = yearBefore(now).toISOString()
  const json = { format: 'json' as const }
  const [byTeamMonth, byCommunity, stars, fourOnes] = await Promise.all([
    evaluation
      .GET('/dashboards/hours-by-team-month', { params: { query: { ...json, since } } })
      .then((answer) => rows(unwrap(answer, failure))),
    evaluation
      .GET('/dashboards/hours', { params: { query: { ...json, group_by: 'community', since } } })
      .then((answer) => rows(unwrap(answer, failure))),
    evaluation
      .GET('/dashboards/stars', { params: { query: { ...json, group_by: 'community' } } })
      .then((answer) => rows(unwrap(answer, failure))),
    Promise.all(
      monthsUpTo(now, FOUR_ONES_MONTHS).map((month) =>
        evaluation
          .GET('/dashboards/four-ones', {
            params: { query: { ...json, group_by: 'community', month } },
          })
          .then((answer) => fourOnesFromRows(month, rows(unwrap(answer, failure)))),
      ),
    ),
  ])
  return {
    byMonth: hoursByMonth(byTeamMonth),
    byGroup: byCommunity
      .map((row) => ({ label: row.community_name ?? row.community_id ?? '', value: row.hours }))
      .sort((a, b) => b.value - a.value),
    stars: starsFromRows(stars),
    fourOnes,
  }
}
