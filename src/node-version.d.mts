export declare const REQUIRED_NODE: string;
export declare function isSupportedNode(version: string): boolean;
