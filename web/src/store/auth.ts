// Who is logged in, and their tokens: in memory only. Nothing secret goes to
// localStorage, so a reload (or a closed tab) means logging in again.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { registry, unwrap, useSession } from '@/api'
import type { components } from '@/api/generated/registry'
import { acceptLanguage, currentLocale } from '@/locales'

export type Role = components['schemas']['Role']
type Tokens = components['schemas']['Tokens']

/** The roles the console is for; volunteers and residents have their own pages. */
export const CONSOLE_ROLES: readonly Role[] = ['district_admin', 'community_admin', 'team_leader']

// Refresh a little before the access token runs out, so a request rarely meets a 401.
const REFRESH_AHEAD = 0.8

export const useAuthStore = defineStore('auth', () => {
  const accessToken = ref<string | null>(null)
  const refreshToken = ref<string | null>(null)
  const username = ref<string | null>(null)
  const accountId = ref<string | null>(null)
  const role = ref<Role | null>(null)
  const communityId = ref<string | null>(null)
  let refreshTimer: ReturnType<typeof setTimeout> | undefined
  // One refresh at a time: several requests meeting a 401 together share it.
  let refreshing: Promise<boolean> | null = null
  // Called when the session ends by itself (refresh refused), to go back to /login.
  let onSessionEnded: () => void = () => {}

  const loggedIn = computed(() => accessToken.value !== null)

  function keep(tokens: Tokens): void {
    accessToken.value = tokens.access_token
    refreshToken.value = tokens.refresh_token
    clearTimeout(refreshTimer)
    refreshTimer = setTimeout(() => void refresh(), tokens.expires_in * 1000 * REFRESH_AHEAD)
  }

  function forget(): void {
    clearTimeout(refreshTimer)
    accessToken.value = null
    refreshToken.value = null
    username.value = null
    accountId.value = null
    role.value = null
    communityId.value = null
  }

  async function login(name: string, password: string, failure: string): Promise<void> {
    const tokens = unwrap(
      await registry.POST('/auth/login', { body: { username: name, password } }),
      failure,
    )
    keep(tokens)
    try {
      const me = unwrap(await registry.GET('/me'), failure)
      username.value = me.username ?? name // as the account spells it
      accountId.value = me.account_id
      role.value = me.role
      communityId.value = me.community_id
    } catch (error) {
      forget()
      throw error
    }
  }

  async function refreshOnce(): Promise<boolean> {
    const token = refreshToken.value
    if (token === null) return false
    const { data, response } = await registry.POST('/auth/refresh', {
      body: { refresh_token: token },
    })
    if (!response.ok || data === undefined) {
      forget()
      onSessionEnded()
      return false
    }
    keep(data)
    return true
  }

  function refresh(): Promise<boolean> {
    refreshing ??= refreshOnce().finally(() => {
      refreshing = null
    })
    return refreshing
  }

  async function logout(): Promise<void> {
    const token = refreshToken.value
    forget()
    if (token === null) return
    // Revoke the refresh token; the user is logged out here whatever the answer.
    await registry.POST('/auth/logout', { body: { refresh_token: token } }).catch(() => undefined)
  }

  function whenSessionEnds(callback: () => void): void {
    onSessionEnded = callback
  }

  useSession({
    accessToken: () => accessToken.value,
    language: () => acceptLanguage(currentLocale()),
    refresh,
  })

  return {
    accessToken,
    username,
    accountId,
    role,
    communityId,
    loggedIn,
    login,
    logout,
    refresh,
    whenSessionEnds,
  }
})
