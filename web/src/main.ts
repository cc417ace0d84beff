import { createApp } from 'vue'
import App from './App.vue'
import { setHooks } from './api/client'
import { i18n, currentLocale } from './i18n'
import { nextAfterSignIn, router } from './router'
import { expire, onSessionExpired, pendingStep, refresh, touch } from './session'
import './styles.css'

setHooks({
  onUnauthenticated: expire,
  onActivity: touch,
  // The server says a step is owed (e.g. an expired privileged password): re-read
  // the session and go to that step, unless already there.
  onStepRequired: () => {
    void refresh()
      .then(() => {
        const step = pendingStep()
        if (step && router.currentRoute.value.meta.step !== step) void router.replace(nextAfterSignIn())
      })
      .catch(() => {})
  },
})
onSessionExpired(() => {
  void router.replace({ name: 'login' })
})

document.documentElement.lang = currentLocale()

createApp(App).use(i18n).use(router).mount('#app')
