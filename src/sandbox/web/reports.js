// The Reports panel: the charts and CSVs a manager gets from /report, fetched from the sandbox server.
import { el } from './format.js';
import { lang, t } from './i18n.js';

const KINDS = ['funnel', 'revenue', 'campaigns', 'support', 'fulfilment'];
const PERIODS = ['today', '7d', '30d'];
const $ = (id) => document.getElementById(id);

function fill(select, values, label) {
  const current = select.value;
  select.replaceChildren(...values.map((v) => el('option', { value: v }, t(label(v)))));
  if (values.includes(current)) select.value = current;
}

/** Shows the chosen report (PNG) and points the CSV link at the same rows. */
function show() {
  const query = new URLSearchParams({ period: $('report-period').value, lang });
  const kind = $('report-kind').value;
  $('report-img').src = `/api/reports/${kind}.png?${query}`;
  $('report-img').alt = t(`report_${kind}`);
  $('report-csv').href = `/api/reports/${kind}.csv?${query}`;
}

export function wireReports() {
  $('reports-open').addEventListener('click', () => {
    fill($('report-kind'), KINDS, (k) => `report_${k}`);
    fill($('report-period'), PERIODS, (p) => `period_${p}`);
    if (!$('report-period').value || $('report-period').value === 'today') $('report-period').value = '7d';
    show();
    $('reports').showModal();
  });
  $('report-kind').addEventListener('change', show);
  $('report-period').addEventListener('change', show);
  $('reports-close').addEventListener('click', () => $('reports').close());
}
