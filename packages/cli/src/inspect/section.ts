/** A titled table of what a file holds. */
export interface InspectSection {
  title: string;
  table: string;
}

/** What `lowbit inspect` found: the kind of file and its tables. */
export interface Inspection {
  kind: string;
  sections: InspectSection[];
}
