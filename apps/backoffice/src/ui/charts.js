// Charts (Chart.js, served by the cash server itself) in the back office's colours.

const charts = new WeakMap();
export const COLORS = [
  '#1f6feb',
  '#2da44e',
  '#bf8700',
  '#8250df',
  '#cf222e',
  '#0a7d8c',
  '#d4640f',
  '#57606a',
];

const rubAxis = new Intl.NumberFormat('ru-RU', { notation: 'compact', maximumFractionDigits: 1 });
const rub = new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB' });

/**
 * A chart on a new canvas: kind 'bar' or 'line', labels, series [{label, data (kopecks when
 * money)}]. Returns the canvas' holder element.
 */
export function chart(kind, labels, series, { money = true, height = 260, testid, horizontal = false } = {}) {
  const holder = document.createElement('div');
  holder.className = 'chart';
  holder.style.height = `${height}px`;
  if (testid) holder.dataset.testid = testid;
  const canvas = document.createElement('canvas');
  holder.append(canvas);
  const value = (v) => (money ? v / 100 : v);
  // Chart.js sizes itself once the holder is in the page
  requestAnimationFrame(() => {
    if (!window.Chart) return;
    const c = new window.Chart(canvas, {
      type: kind,
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.data.map(value),
          backgroundColor: kind === 'line' ? `${COLORS[i % COLORS.length]}22` : COLORS[i % COLORS.length],
          borderColor: COLORS[i % COLORS.length],
          borderWidth: kind === 'line' ? 2 : 0,
          borderRadius: kind === 'bar' ? 4 : 0,
          fill: kind === 'line',
          tension: 0.3,
          pointRadius: kind === 'line' ? 3 : 0,
        })),
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: series.length > 1, position: 'bottom' },
          tooltip: {
            callbacks: {
              label: (ctx) =>
                `${ctx.dataset.label}: ${money ? rub.format(ctx.parsed[horizontal ? 'x' : 'y']) : ctx.formattedValue}`,
            },
          },
        },
        scales: {
          [horizontal ? 'x' : 'y']: {
            beginAtZero: true,
            ticks: { callback: (v) => (money ? `${rubAxis.format(v)} ₽` : rubAxis.format(v)) },
            grid: { color: '#eef1f4' },
          },
          [horizontal ? 'y' : 'x']: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
        },
      },
    });
    charts.set(holder, c);
  });
  return holder;
}
