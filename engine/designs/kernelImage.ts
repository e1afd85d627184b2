// What the `image` option of the kernel design names: the host kernel, a Debian cloud kernel
// by version, or a user's bzImage by path. Pure, so the schema, the bridges and the CLI all
// read an image spec the same way.

export type KernelImageSpec =
  | { kind: 'host' }
  /** version as given after "debian-": "6.12", "6.12.57", "6.12.57+deb13-cloud-amd64". */
  | { kind: 'debian'; version: string }
  | { kind: 'path'; path: string }

const DEBIAN = /^debian-([0-9][0-9A-Za-z.+~:-]*)$/

/** The spec an image string names, or a message saying what is wrong with it. */
export function parseKernelImage(image: string): KernelImageSpec | { error: string } {
  if (image === 'host') return { kind: 'host' }
  const m = DEBIAN.exec(image)
  if (m) return { kind: 'debian', version: m[1] }
  if (image.startsWith('debian')) return { error: `"${image}" is not a Debian kernel version; expected e.g. debian-6.12 or debian-6.12.57` }
  if (image.startsWith('/')) return { kind: 'path', path: image }
  return { error: `must be host, debian-<version> (e.g. debian-6.12) or an absolute path to a bzImage; got "${image}"` }
}
