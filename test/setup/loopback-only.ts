// Tests talk to servers they start on 127.0.0.1 and to nothing else: any other address
// fails the test at once instead of trying the network.
const realFetch = globalThis.fetch;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (!isLoopback(url.hostname)) {
    return Promise.reject(
      new Error(`test network guard: refused a request to ${url.host} (only loopback is allowed)`),
    );
  }
  return realFetch(input, init);
};
