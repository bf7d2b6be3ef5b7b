import { DirectiveLocation, GraphQLDirective, GraphQLNonNull, GraphQLString } from 'graphql';

/**
 * The FHIR GraphQL flattening directives. They are declared so queries using them validate;
 * flatten.ts applies them to the result after execution (they change the result's shape, which
 * field resolvers cannot do).
 */
export const FHIR_DIRECTIVES = [
  new GraphQLDirective({
    name: 'flatten',
    description: "Lifts this field's children into the parent object; repeated values become lists.",
    locations: [DirectiveLocation.FIELD],
  }),
  new GraphQLDirective({
    name: 'first',
    description: 'Keeps only the first item of a list.',
    locations: [DirectiveLocation.FIELD],
  }),
  new GraphQLDirective({
    name: 'singleton',
    description: 'Answers a single value instead of a list; more than one value is an error.',
    locations: [DirectiveLocation.FIELD],
  }),
  new GraphQLDirective({
    name: 'slice',
    description:
      'With @flatten: suffixes flattened names with `.` and the value at `path` (`$index` = position).',
    locations: [DirectiveLocation.FIELD],
    args: { path: { type: new GraphQLNonNull(GraphQLString) } },
  }),
];
