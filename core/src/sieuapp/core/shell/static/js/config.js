// What the server said when it served the page: tenant, the shell's OAuth client, language.
const element = document.getElementById("sieuapp-config");
export const config = JSON.parse(element ? element.textContent : "{}");
