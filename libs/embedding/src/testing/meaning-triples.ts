/**
 * Hand-written (anchor, paraphrase, unrelated) triples from engineering analytics: the paraphrase says the
 * same thing in other words, the unrelated text is from the same domain but about something else.
 */
export const MEANING_TRIPLES: readonly [anchor: string, paraphrase: string, unrelated: string][] = [
  [
    'The checkout service returns HTTP 500 errors after the latest deploy',
    'Since the most recent release, checkout has been failing with server errors',
    'Update the onboarding documentation for new hires',
  ],
  [
    'Login page crashes on Safari when the password field is empty',
    'The sign-in screen breaks in Safari if no password is entered',
    'Quarterly planning meeting moved to Thursday',
  ],
  [
    'How many bugs were resolved last week?',
    'Count of defects closed during the previous week',
    'Which pull requests touched the billing module?',
  ],
  [
    'Deployment to production was rolled back due to a failed database migration',
    'We reverted the prod release because the schema migration broke',
    'Add dark mode to the settings page',
  ],
  [
    'The sprint velocity dropped by thirty percent this iteration',
    'Our team completed far fewer story points in this sprint than usual',
    'The API gateway certificate expires next month',
  ],
  [
    'Pull request adds retry logic to the payment client',
    'This PR makes the payments client retry failed requests',
    'The mobile app icon looks blurry on Android tablets',
  ],
  [
    'Incident: the search cluster ran out of disk space overnight',
    'Outage last night because the search nodes had no free storage left',
    'Rename the variables in the reporting script for clarity',
  ],
  [
    'Median time to merge a pull request is four days',
    'Typically PRs wait about four days before they get merged',
    'The office coffee machine is broken again',
  ],
  [
    'Memory leak in the notification worker causes restarts every few hours',
    'The notifications worker keeps leaking RAM and gets restarted several times a day',
    'Customers asked for CSV export of invoices',
  ],
  [
    'Flaky integration test fails intermittently on the CI pipeline',
    'An unreliable integration test sometimes breaks the continuous integration build',
    'Marketing wants a new landing page for the spring campaign',
  ],
  [
    'Deployment frequency increased to twelve releases per week',
    'We now ship to production about a dozen times each week',
    'A typo in the footer of the pricing page',
  ],
  [
    'The code review for the authentication refactor is still pending',
    'Nobody has reviewed the auth refactoring PR yet',
    'Disk usage on the analytics database is at ninety percent',
  ],
  [
    'Users cannot upload files larger than ten megabytes',
    'Uploading any file above 10 MB fails for customers',
    'The standup meeting is cancelled tomorrow',
  ],
  [
    'Change failure rate was fifteen percent last quarter',
    'Last quarter, about one in seven deployments caused a failure in production',
    'Translate the help center articles into German',
  ],
  [
    'The iOS app freezes when opening the camera',
    'Launching the camera makes the iPhone application hang',
    'Upgrade the build server to the newest Java version',
  ],
  [
    'Mean time to recovery after incidents improved to two hours',
    'We now restore service within about two hours of an outage on average',
    'Design the new logo for the company website',
  ],
  [
    'Slow database queries are making the dashboard take ten seconds to load',
    'The dashboard loads very slowly because of inefficient SQL queries',
    'Schedule the team offsite for next spring',
  ],
  [
    'The payment webhook is called twice and customers get charged double',
    'Duplicate webhook deliveries cause customers to be billed two times',
    'Improve keyboard navigation in the date picker',
  ],
  [
    'Story points completed per sprint for the platform team',
    'How many points the platform squad finishes in each sprint',
    'Password reset emails are going to spam folders',
  ],
  [
    'The release was blocked by a failing security scan',
    'A vulnerability check failure stopped the deployment from going out',
    'Who owns the recommendation service?',
  ],
  [
    'Open high-priority bugs assigned to the mobile team',
    'Critical issues still unresolved for the mobile developers',
    'Average lines of code changed per pull request',
  ],
  [
    'Kubernetes pods are crash looping after the config change',
    'After we changed the configuration, the containers keep restarting in a loop',
    'Write release notes for version three point two',
  ],
  [
    'The staging environment is down and blocks QA testing',
    'QA cannot test anything because staging is offline',
    'Hire two more backend engineers this year',
  ],
  [
    'Lead time for changes went from two weeks to three days',
    'Code now reaches production in three days instead of two weeks',
    'The font on the invoice PDF is too small',
  ],
];
