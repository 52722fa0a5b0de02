export const SERVICES: readonly string[]
export function renderClient(service: string): Promise<string>
