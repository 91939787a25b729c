import type { MetadataRoute } from "next";

// The web app manifest (served at /manifest.webmanifest): installable, opens standalone on the dashboard.
export default function manifest(): MetadataRoute.Manifest {
  return {
    id: "/dashboard",
    name: "CreatorFlow Sync",
    short_name: "CreatorFlow",
    description: "Orders and inventory for TikTok Shop creators, in step and live.",
    start_url: "/dashboard",
    scope: "/",
    display: "standalone",
    orientation: "any",
    // The light theme's colours; the page's theme-color meta tags follow the dark scheme too.
    background_color: "#f7f7f8",
    theme_color: "#f7f7f8",
    categories: ["business", "productivity"],
    icons: [
      { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
      { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
      { src: "/icons/maskable-192.png", sizes: "192x192", type: "image/png", purpose: "maskable" },
      { src: "/icons/maskable-512.png", sizes: "512x512", type: "image/png", purpose: "maskable" },
      { src: "/icons/icon.svg", sizes: "any", type: "image/svg+xml", purpose: "any" },
    ],
  };
}
