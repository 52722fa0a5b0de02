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
useAuthStore().whenSessionEnds(() => {
  void router.push({ name: 'login', query: { ended: '1' } })
})

app.mount('#app')
