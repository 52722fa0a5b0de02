import type { Component } from 'vue'
import type { RouteRecordRaw } from 'vue-router'

import type { Role } from '@/store/auth'

export interface MenuEntry {
  name: string
  path: string
  label: string
  icon?: Component
}

export function mayOpen(roles: readonly Role[] | undefined, role: Role | null): boolean {
  return role !== null && (roles === undefined || roles.includes(role))
}

/** The side menu of a role: the routes that have an entry and that the role may open. */
export function menuFor(routes: RouteRecordRaw[], role: Role | null): MenuEntry[] {
  return routes
    .filter((route) => route.meta?.menu && mayOpen(route.meta.roles, role))
    .sort((a, b) => (a.meta?.order ?? 0) - (b.meta?.order ?? 0))
    .map((route) => ({
      name: String(route.name),
      path: `/${route.path}`,
      label: route.meta?.menu ?? '',
      icon: route.meta?.icon,
    }))
}
