// The registry's volunteers, as the volunteers screens read them.
import type { components } from './generated/registry'
import { registry, unwrap } from './index'

export type Volunteer = components['schemas']['VolunteerPublic']
export type VolunteerStatus = components['schemas']['VolunteerStatus']
export type VolunteerPage = components['schemas']['Page_VolunteerPublic_']
export type Team = components['schemas']['TeamPublic']

export const VOLUNTEER_STATUSES: readonly VolunteerStatus[] = [
  'applied',
  'registered',
  'suspended',
  'rejected',
  'withdrawn',
]

export interface VolunteerSearch {
  q?: string
  status?: VolunteerStatus
}

export const PAGE_SIZE = 20

export async function searchVolunteers(
  search: VolunteerSearch,
  cursor: string | null,
  failure: string,
): Promise<VolunteerPage> {
  const query = {
    q: search.q || undefined,
    status: search.status,
    limit: PAGE_SIZE,
    cursor: cursor ?? undefined,
  }
  return unwrap(await registry.GET('/volunteers', { params: { query } }), failure)
}

export async function getVolunteer(id: string, failure: string): Promise<Volunteer> {
  return unwrap(
    await registry.GET('/volunteers/{volunteer_id}', { params: { path: { volunteer_id: id } } }),
    failure,
  )
}

export async function getTeam(id: string, failure: string): Promise<Team> {
  return unwrap(
    await registry.GET('/teams/{team_id}', { params: { path: { team_id: id } } }),
    failure,
  )
}

export type ServiceArea = components['schemas']['ServiceAreaPublic']

export async function serviceAreas(communityId: string, failure: string): Promise<ServiceArea[]> {
  return unwrap(
    await registry.GET('/communities/{community_id}/service-areas', {
      params: { path: { community_id: communityId } },
    }),
    failure,
  )
}

/** Community names by id (the district's list: what a district admin's table shows). */
export async function communityNames(failure: string): Promise<Map<string, string>> {
  const communities = unwrap(await registry.GET('/communities'), failure)
  return new Map(communities.map((community) => [community.id, community.name]))
}
