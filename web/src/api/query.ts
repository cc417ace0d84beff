// The query a list call takes (filters, page, per_page); empty values are left out by the client.
import type { RequestOptions } from './client'

export type Query = NonNullable<RequestOptions['query']>

/** A path segment from an id (ids are opaque: never trusted to be URL-safe). */
export const seg = (id: string): string => encodeURIComponent(id)
