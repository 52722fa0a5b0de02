import { User } from '@element-plus/icons-vue'

import type { ModuleRoutes } from '../types'

// Team leaders see their team through the teams screen, not the whole register.
const ADMINS = ['district_admin', 'community_admin'] as const

const routes: ModuleRoutes = [
  {
    path: 'volunteers',
    name: 'volunteers',
    component: () => import('@/views/volunteers/index.vue'),
    meta: { menu: 'layout.menu.volunteers', icon: User, order: 10, roles: ADMINS },
  },
  {
    path: 'volunteers/:id',
    name: 'volunteer',
    component: () => import('@/views/volunteers/detail.vue'),
    props: true,
    meta: { roles: ADMINS },
  },
]

export default routes
