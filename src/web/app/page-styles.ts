// The styles of the components only the pages use (after sign-in), in the order of Mantine's
// styles.css, and the extra packages' styles. Loaded with the first page (see app/layout.tsx), so
// the sign-in screen's render-blocking stylesheet holds only what it draws (see main.tsx).
// Using a Mantine component not listed here or in main.tsx? Add its stylesheet:
// test/http/compression.test.ts fails while a component the bundle uses has none.
import "@mantine/core/styles/Flex.css";
import "@mantine/core/styles/FloatingIndicator.css";
import "@mantine/core/styles/Combobox.css";
import "@mantine/core/styles/InlineInput.css";
import "@mantine/core/styles/CheckboxCard.css";
import "@mantine/core/styles/CheckboxIndicator.css";
import "@mantine/core/styles/Checkbox.css";
import "@mantine/core/styles/Card.css";
import "@mantine/core/styles/ColorSwatch.css";
import "@mantine/core/styles/Fieldset.css";
import "@mantine/core/styles/Grid.css";
import "@mantine/core/styles/Image.css";
import "@mantine/core/styles/List.css";
import "@mantine/core/styles/Pill.css";
import "@mantine/core/styles/PillsInput.css";
import "@mantine/core/styles/NumberInput.css";
import "@mantine/core/styles/Pagination.css";
import "@mantine/core/styles/Progress.css";
import "@mantine/core/styles/RadioCard.css";
import "@mantine/core/styles/RadioIndicator.css";
import "@mantine/core/styles/Radio.css";
import "@mantine/core/styles/SegmentedControl.css";
import "@mantine/core/styles/SimpleGrid.css";
import "@mantine/core/styles/Skeleton.css";
import "@mantine/core/styles/Switch.css";
import "@mantine/core/styles/Table.css";
import "@mantine/core/styles/Tabs.css";
import "@mantine/core/styles/Timeline.css";
import "@mantine/dates/styles.css";
import "@mantine/charts/styles.css";
import "mantine-datatable/styles.css";
