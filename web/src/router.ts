// Routes and the guard that sends each person where the server's state says
// they must go: login, then the MFA code, the forced password change and the
// TOTP enrolment, then the pages their permissions allow.

import { createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router'
import type { Permission } from './api/types'
import { canListRegister, findRegister } from './api/registers'
import { can, loadRegisters, pendingStep, refresh, session, type Step } from './session'

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title */
    title: string
    /** reachable without a session */
    public?: boolean
    /** a sign-in step page */
    step?: Step
    /** the step page may also be used when the step is not pending */
    voluntary?: boolean
    permission?: Permission
    /** a page of the register /r/<path> names: its read permission is checked (docs/registers.md) */
    register?: boolean
  }
}

const stepRoutes: Record<Step, string> = {
  mfa: 'mfa',
  password: 'password',
  'mfa-enroll': 'mfa-enroll',
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { title: 'login.title', public: true } },
    { path: '/mfa', name: 'mfa', component: () => import('./views/MfaVerifyView.vue'), meta: { title: 'mfa.verify_title', step: 'mfa' } },
    {
      path: '/password',
      name: 'password',
      component: () => import('./views/PasswordChangeView.vue'),
      meta: { title: 'password.title', step: 'password', voluntary: true },
    },
    {
      path: '/mfa/enroll',
      name: 'mfa-enroll',
      component: () => import('./views/MfaEnrollView.vue'),
      meta: { title: 'mfa.enroll_title', step: 'mfa-enroll' },
    },
    { path: '/', name: 'home', component: () => import('./views/HomeView.vue'), meta: { title: 'home.title' } },
    { path: '/org', name: 'org', component: () => import('./views/OrgView.vue'), meta: { title: 'org.title', permission: 'org.read' } },
    { path: '/users', name: 'users', component: () => import('./views/UsersView.vue'), meta: { title: 'users.title', permission: 'users.read' } },
    {
      path: '/users/:id',
      name: 'user',
      component: () => import('./views/UserDetailView.vue'),
      meta: { title: 'user.title', permission: 'users.read' },
    },
    {
      path: '/audit-log',
      name: 'audit',
      component: () => import('./views/AuditLogView.vue'),
      meta: { title: 'audit.title', permission: 'audit.read' },
    },
    { path: '/information-assets', name: 'assets', component: () => import('./views/AssetsView.vue'), meta: { title: 'assets.title', permission: 'assets.read' } },
    {
      path: '/information-assets/:id',
      name: 'asset',
      component: () => import('./views/AssetDetailView.vue'),
      meta: { title: 'asset.title', permission: 'assets.read' },
    },
    { path: '/systems', name: 'systems', component: () => import('./views/SystemsView.vue'), meta: { title: 'systems.title', permission: 'systems.read' } },
    // Requests: one's own are always readable; the server decides what else.
    { path: '/requests', name: 'requests', component: () => import('./views/RequestsView.vue'), meta: { title: 'requests.title' } },
    {
      path: '/requests/new',
      name: 'request-new',
      component: () => import('./views/RequestNewView.vue'),
      meta: { title: 'request_new.title', permission: 'requests.create' },
    },
    { path: '/requests/:id', name: 'request', component: () => import('./views/RequestDetailView.vue'), meta: { title: 'request.title' } },
    { path: '/inbox', name: 'inbox', component: () => import('./views/InboxView.vue'), meta: { title: 'inbox.title' } },
    { path: '/sessions', name: 'sessions', component: () => import('./views/MySessionsView.vue'), meta: { title: 'sessions.title' } },
    { path: '/notifications', name: 'notifications', component: () => import('./views/NotificationsView.vue'), meta: { title: 'notifications.title' } },
    { path: '/policy', name: 'policy', component: () => import('./views/PolicyView.vue'), meta: { title: 'policy.title', permission: 'policy.read' } },
    // Every register of the pack: one list page and one detail page drawn from its spec.
    { path: '/r/:path', name: 'register', component: () => import('./views/RegisterListView.vue'), meta: { title: 'kit.title', register: true } },
    {
      path: '/r/:path/:id',
      name: 'register-record',
      component: () => import('./views/RegisterDetailView.vue'),
      meta: { title: 'kit.record_title', register: true },
    },
    { path: '/forbidden', name: 'forbidden', component: () => import('./views/ForbiddenView.vue'), meta: { title: 'forbidden.title' } },
    { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { title: 'not_found.title', public: true } },
  ],
})

/** Where a signed-in person goes next: the pending step, or where they were headed. */
export function nextAfterSignIn(): RouteLocationRaw {
  const step = pendingStep()
  if (step) return { name: stepRoutes[step] }
  const to = session.returnTo
  session.returnTo = null
  return to && to.startsWith('/') && !to.startsWith('//') ? to : { name: 'home' }
}

router.beforeEach(async (to) => {
  if (session.status === 'unknown') {
    try {
      await refresh()
    } catch {
      /* server unreachable: treated as signed out; the login page will show the error */
    }
  }
  const authenticated = session.status === 'authenticated'

  if (to.meta.public) {
    if (to.name === 'login' && authenticated) return nextAfterSignIn()
    return true
  }
  if (!authenticated) {
    session.returnTo = to.fullPath === '/' ? null : to.fullPath
    return { name: 'login' }
  }
  const step = pendingStep()
  if (step) {
    return to.name === stepRoutes[step] ? true : { name: stepRoutes[step] }
  }
  if (to.meta.step && !to.meta.voluntary) return { name: 'home' }
  if (to.meta.permission && !can(to.meta.permission)) return { name: 'forbidden' }
  if (to.meta.register) {
    // A register the pack does not have shows "not found"; one the reader may not read, forbidden.
    // A record's page is the server's to refuse (404): its parties, reporters and the people it
    // escalated to see it without the read permission (docs/registers.md).
    const spec = findRegister(await loadRegisters(), String(to.params.path))
    if (spec && to.name === 'register' && !canListRegister(spec, session.permissions)) return { name: 'forbidden' }
  }
  return true
})
