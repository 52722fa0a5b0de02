import { onBeforeUnmount, onMounted } from 'vue'

/**
 * Run `task` every `seconds` while the page is in view, and at once when it comes back
 * into view: counts on a screen left open all day stay current without a reload. A
 * hidden tab asks nothing of the services.
 */
export function useEvery(seconds: number, task: () => unknown): void {
  let timer: ReturnType<typeof setInterval> | undefined

  function start(): void {
    stop()
    timer = setInterval(() => {
      if (document.visibilityState === 'visible') void task()
    }, seconds * 1000)
  }

  function stop(): void {
    clearInterval(timer)
  }

  function onVisibility(): void {
    if (document.visibilityState === 'visible') void task()
  }

  onMounted(() => {
    start()
    document.addEventListener('visibilitychange', onVisibility)
  })
  onBeforeUnmount(() => {
    stop()
    document.removeEventListener('visibilitychange', onVisibility)
  })
}
