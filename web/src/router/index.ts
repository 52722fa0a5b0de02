import { createRouter, createWebHistory } from 'vue-router'

import { useAuthStore } from '@/store/auth'

import { mayOpen } from './menu'
import { routes } from './routes'

export const router = createRouter({ history: createWebHistory('/'), routes })

router.beforeEach((to) => {
  const auth = useAuthStore()
  if (to.meta.public) return true
  if (!auth.loggedIn) {
    // Keep where the user was going: after logging in they land there.
    return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
  }
  // A screen the role may not open looks the same as one that does not exist.
  if (!mayOpen(to.meta.roles, auth.role)) {
    return {
      name: 'not-found',
      params: { pathMatch: to.path.slice(1).split('/') },
      query: to.query,
      hash: to.hash,
      replace: true,
    }
  }
  return true
})
