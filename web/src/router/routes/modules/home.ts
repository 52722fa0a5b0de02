import { HomeFilled } from '@element-plus/icons-vue'

import type { ModuleRoutes } from '../types'

const routes: ModuleRoutes = [
  {
    path: '',
    name: 'home',
    component: () => import('@/views/home/index.vue'),
    meta: { menu: 'layout.menu.home', icon: HomeFilled, order: 0 },
  },
]

export default routes
