import type { RouteRecordRaw } from 'vue-router'

import type { ModuleRoutes } from './types'

// One module per menu area (src/router/routes/modules/<area>.ts), all under the layout.
const modules = import.meta.glob<ModuleRoutes>('./modules/*.ts', { eager: true, import: 'default' })

export const consoleRoutes: RouteRecordRaw[] = Object.values(modules).flat()

export const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/login/index.vue'),
    meta: { public: true },
  },
  {
    path: '/',
    component: () => import('@/layouts/BasicLayout.vue'),
    children: [
      ...consoleRoutes,
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('@/views/fallback/not-found.vue'),
      },
    ],
  },
]
