// Step 3 of going live: what to set at Bandwidth (from Bandwidth's OpenAI SIP guide).

export const projectIdPattern = /^proj_[A-Za-z0-9]+$/;

/** The SIP URI Bandwidth's "Route to SIP URI" route points at. */
export function sipUri(projectId: string | null): string {
  return `sip:${projectId ?? 'YOUR_PROJECT_ID'}@sip.api.openai.com`;
}

export function bandwidthSteps(projectId: string | null, live: boolean): string[] {
  return [
    "Use a Bandwidth Universal Platform account whose SIP trunk is enabled for OpenAI's SIP connector (Bandwidth support turns it on).",
    `In the Bandwidth App, create a Voice Configuration Package with a "Route to SIP URI" route to ${sipUri(projectId)}.`,
    'Assign that Voice Configuration Package to the phone numbers that should reach the agent.',
    ...(projectId
      ? []
      : [
          'Your project id (proj_…) is in the OpenAI dashboard → Settings → Project → General; set OPENAI_PROJECT_ID (or pass --project) and this prints the exact URI.',
        ]),
    ...(live ? ['GPT-Live agents need SRTP media on that route, and GPT-Live SIP enabled for the OpenAI project.'] : []),
  ];
}
