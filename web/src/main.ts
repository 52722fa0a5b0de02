import 'element-plus/dist/index.css'
import './styles.css'

import ElementPlus from 'element-plus'
import { createPinia } from 'pinia'
import { createApp } from 'vue'

import App from './App.vue'
import { currentLocale, i18n } from './locales'
import { router } from './router'
import { useAuthStore } from './store/auth'

const app = createApp(App)
app.use(createPinia())
app.use(i18n)
app.use(ElementPlus)
app.use(router)

document.documentElement.lang = currentLocale()
// A refused refresh ends the session: log in again, then back to the same screen.
useAuthStore().whenSessionEnds(() => {
  const here = router.currentRoute.value
  const back = here.meta.public ? {} : { redirect: here.fullPath }
  void router.push({ name: 'login', query: { ended: '1', ...back } })
})

app.mount('#app')
