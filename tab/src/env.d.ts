/** Style sheets are bundled by esbuild next to the script that imports them. */
declare module '*.css';
