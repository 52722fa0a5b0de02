import type { Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'

import type { Role } from '@/store/auth'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without logging in. */
    public?: boolean
    /** Who may open it; absent: every role of the console. */
    roles?: readonly Role[]
    /** The locale key of its entry in the side menu; absent: not in the menu. */
    menu?: string
    /** Its icon in the side menu. */
    icon?: Component
    /** The menu's order, smallest first. */
    order?: number
  }
}

export type ModuleRoutes = RouteRecordRaw[]
