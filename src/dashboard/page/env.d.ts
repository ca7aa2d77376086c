// Style sheets imported by the page are bundled into page.css by esbuild.
declare module '*.css';
