// @vitest-environment jsdom
// The volunteers list against a stand-in registry: which pages it asks for, and what it
// shows of them. (The real registry is the browser tests' part, in tests/web.)
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'

import { i18n } from '@/locales'
import { useAuthStore } from '@/store/auth'

import VolunteerList from './index.vue'

function volunteer(id: string, name: string) {
  return {
    id,
    community_id: 'c1',
    status: 'registered',
    volunteer_number: `N-${id}`,
    name,
    gender: null,
    birth_date: null,
    phone: null,
    national_id_masked: null,
    party_member: false,
    category: 'resident',
    member_unit_id: null,
    skills: '',
    availability: '',
    service_area_codes: [],
    team_ids: [],
    status_reason: null,
    applied_at: '2026-11-01T02:00:00Z',
    registered_at: null,
    erased: false,
  }
}

const PAGES: Record<string, unknown> = {
  first: { items: [volunteer('v1', '张三'), volunteer('v2', '李四')], total: 3, next_cursor: 'c2' },
  c2: { items: [volunteer('v3', '王五')], total: 3, next_cursor: null },
  search: { items: [volunteer('v2', '李四')], total: 1, next_cursor: null },
}

let asked: URL[] = []

function registry(request: Request): Response {
  const url = new URL(request.url)
  asked.push(url)
  const page = url.searchParams.get('q')
    ? PAGES.search
    : PAGES[url.searchParams.get('cursor') ?? 'first']
  return new Response(JSON.stringify(page), {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
  })
}

async function mountList(address = '/volunteers') {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/volunteers', name: 'volunteers', component: VolunteerList },
      { path: '/volunteers/:id', name: 'volunteer', component: { template: '<p />' } },
    ],
  })
  await router.push(address)
  const wrapper = mount(VolunteerList, { global: { plugins: [router, i18n, ElementPlus] } })
  await flushPromises()
  return Object.assign(wrapper, { router })
}

const names = (wrapper: Awaited<ReturnType<typeof mountList>>) =>
  wrapper.findAll('a.name').map((link) => link.text())

describe('the volunteers list', () => {
  beforeEach(() => {
    asked = []
    setActivePinia(createPinia())
    useAuthStore().communityId = 'c1'
    vi.stubGlobal('fetch', vi.fn(async (request: Request) => registry(request)))
  })
  afterEach(() => vi.unstubAllGlobals())

  it('shows the first page and the total, and appends the next page on "load more"', async () => {
    const wrapper = await mountList()
    expect(names(wrapper)).toEqual(['张三', '李四'])
    expect(wrapper.get('[data-testid="volunteers-total"]').text()).toBe('共 3 人')

    const more = wrapper.findAll('button').find((button) => button.text() === '加载更多')
    await more!.trigger('click')
    await flushPromises()
    expect(asked.map((url) => url.searchParams.get('cursor'))).toEqual([null, 'c2'])
    expect(names(wrapper)).toEqual(['张三', '李四', '王五'])
    expect(wrapper.text()).toContain('已全部显示')
    expect(wrapper.findAll('button').some((button) => button.text() === '加载更多')).toBe(false)
  })

  it('searches from the first page again, replacing what was shown', async () => {
    const wrapper = await mountList()
    await wrapper.get('input[aria-label="搜索"]').setValue('李')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const last = asked.at(-1)!
    expect(last.pathname).toBe('/api/registry/volunteers')
    expect(last.searchParams.get('q')).toBe('李')
    expect(last.searchParams.get('cursor')).toBeNull()
    expect(names(wrapper)).toEqual(['李四'])
    expect(wrapper.get('[data-testid="volunteers-total"]').text()).toBe('共 1 人')
    expect(wrapper.router.currentRoute.value.query).toEqual({ q: '李' })
  })

  it('opens with the search its address carries (coming back from a volunteer)', async () => {
    const wrapper = await mountList('/volunteers?q=李&status=registered')
    expect(asked).toHaveLength(1)
    expect(asked[0]?.searchParams.get('q')).toBe('李')
    expect(asked[0]?.searchParams.get('status')).toBe('registered')
    expect((wrapper.get('input[aria-label="搜索"]').element as HTMLInputElement).value).toBe('李')
    expect(names(wrapper)).toEqual(['李四'])
  })
})
